"""Custom Streamlit components (plain HTML/CSS/JS in this folder; no build step, no CDN)."""
