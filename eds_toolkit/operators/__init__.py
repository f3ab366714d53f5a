"""The CA's operators: who they are (``registry``), what each role may do (``roles``), how they sign in
with their AUTH certificate (``signin``) and how their actions are audited (``actions``)."""
