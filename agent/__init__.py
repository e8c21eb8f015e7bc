"""The AI interviewer: a LiveKit Agents worker that conducts the interviews the control plane dispatches."""
