"""Long-term memory (characters per user, in a LangGraph store): arrives with the memory issue.

Nothing here yet; the package exists so the layout shows where it goes.
"""
