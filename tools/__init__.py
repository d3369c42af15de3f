"""What the agent uses: generators, critics, the renderer, editing. Knows nothing of the graph."""
