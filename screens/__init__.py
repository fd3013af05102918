"""The Textual app: App, screens, widgets and styles. Screens call services; no SQL, no rules."""
