"""The Streamlit app: pages arrange widgets and call services; no SQL, no rules here."""
