"""Widgets shared by several screens: the top bar, the navigation list, the paged record table,
form fields and the dashboard's sections."""
