; Inno Setup script: one Setup-Puskesos.exe for Windows 10/11, no server, no JRE.
; Build after PyInstaller: iscc installer\puskesos.iss
#define AppVersion "0.1.0"

[Setup]
AppId={{6B0F6C1E-5A8E-4C55-9C1E-5055B45E0001}
AppName=Puskesos
AppVersion={#AppVersion}
DefaultDirName={autopf}\Puskesos
DefaultGroupName=Puskesos
OutputBaseFilename=Setup-Puskesos-{#AppVersion}
Compression=lzma2
SolidCompression=yes
PrivilegesRequired=lowest
WizardStyle=modern

[Languages]
Name: "id"; MessagesFile: "compiler:Languages\Indonesian.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "..\dist\Puskesos\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Puskesos"; Filename: "{app}\Puskesos.exe"
Name: "{autodesktop}\Puskesos"; Filename: "{app}\Puskesos.exe"

[Run]
Filename: "{app}\Puskesos.exe"; Description: "Jalankan Puskesos"; Flags: nowait postinstall skipifsilent

; The village database lives in %LOCALAPPDATA%\Puskesos and is never touched by
; an uninstall or an upgrade; the program backs it up itself before migrating.
