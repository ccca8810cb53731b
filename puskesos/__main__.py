from puskesos.app import run

run()
