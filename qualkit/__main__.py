from qualkit.cli import run

run()
