"""`make bench`: the whole service under load, against a baseline measured in the same run."""
