"""Study-agnostic estimators: DataFrame in, tidy DataFrame out."""
