"""`python -m agent start|dev`: run an interviewer worker against LIVEKIT_URL."""

from agent.worker import main

main()
