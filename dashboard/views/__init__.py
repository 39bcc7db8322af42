"""The dashboard's pages, one module each; dashboard/app.py runs them through st.navigation."""
