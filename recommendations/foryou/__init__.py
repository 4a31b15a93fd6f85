"""For you: recent featured papers ranked for one reader by what they saved, dismissed and follow."""
