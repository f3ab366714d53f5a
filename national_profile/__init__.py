"""The Kazakh national certificate profile: IIN, names, OIDs and profiles, key protection parameters.

A plain library (cryptography, asn1crypto and the standard library only) that ``ca``, ``keystore``,
the signature verifier and the agent all read, so that what the CA issues and what the toolkit makes,
opens and verifies cannot drift apart.
"""
