"""Small behaviours of the interview session, each a function named by its effect, attached in `agent.worker`."""
