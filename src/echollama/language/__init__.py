"""Language: the paper's prompt and the LLM backends that answer it."""
