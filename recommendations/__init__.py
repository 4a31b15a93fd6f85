"""Everything editorial and everything readers see, one subpackage per feature (see README, "Layout")."""
