"""The digest e-mail: new featured papers from what a reader follows and their top picks, daily or weekly."""
