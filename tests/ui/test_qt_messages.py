"""Qt's own warnings go to the program's log, not to a console nobody sees."""

from PySide6.QtCore import qInstallMessageHandler, qWarning

from puskesos import logs
from puskesos.ui.launch import install_qt_message_handler


def test_a_qt_warning_is_written_to_the_log(qapp):
    logs.setup()
    before = install_qt_message_handler()
    try:
        qWarning("QFont: a planted Qt warning")
    finally:
        qInstallMessageHandler(before)
    logs._handler.flush()
    text = logs.log_file().read_text(encoding="utf-8")
    assert "WARNING puskesos.qt" in text and "a planted Qt warning" in text
