from qualkit.ui.shell import run_page

run_page("search")
