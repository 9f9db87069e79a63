"""What notebooks show: report blocks, labels and figures."""
