"""Emergency plans (应急预案): the register's commands and reads."""
