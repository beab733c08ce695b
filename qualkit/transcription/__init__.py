"""Local speech-to-text for interviews: audio decoding, Whisper engines, models, speakers, formats.

Plain Python (no Streamlit). The model is never loaded or assembled at import time.
"""
