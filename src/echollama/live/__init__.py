"""Live narration (`echollama watch`): frames -> tracked objects -> changes worth saying -> one voice, questions first."""
