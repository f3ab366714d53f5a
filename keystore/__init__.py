"""Citizen side of the EDS: key pairs, CSRs, and PKCS#12 keystores that OpenSSL and Java read.

Public modules: ``keys`` (generate, encrypt, load), ``csr`` (PKCS#10 for a person),
``password_policy``, ``pkcs12`` (build, write, open, inspect), ``errors``. Inside: ``protection``
(PBES2 and the iteration count), ``pfx_builder`` / ``pfx_reader`` (the PKCS#12 structure),
``pkcs12_mac`` (RFC 7292 MAC), ``names``, ``certificate_details``, ``files`` (safe writes).
Plain library: no Flask, no ``eds_toolkit``.
"""
