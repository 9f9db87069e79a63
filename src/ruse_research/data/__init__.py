"""Reading instruments and survey exports."""
