"""Quality: pre-screen, canonical and own rules, expectations, gate, score and reports."""
