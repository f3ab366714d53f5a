"""Citizen side of the EDS: key pairs, CSRs, and PKCS#12 keystores that OpenSSL and Java read.

Modules: ``keys`` (generate, encrypt, load), ``csr`` (PKCS#10 for a person), ``password_policy``,
``pkcs12`` (build, write, open, inspect), ``errors``. Plain library: no Flask, no ``eds_toolkit``.
"""
