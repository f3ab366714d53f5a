"""The Kazakh national certificate profile: IIN, names, OIDs and profiles, key protection parameters.

A plain library (cryptography, asn1crypto and the standard library only) that ``ca``, ``keystore``,
the signature verifier and the agent all read, so that what the CA issues and what the toolkit makes,
opens and verifies cannot drift apart.
"""

import warnings

# The national CA's names exceed X.520's upper bounds (its GOST test certificates carry attributes of 69
# and 71), and cryptography warns on every parse of such a name. The profile accepts them: no warning at
# the operator's terminal or in the service's log for the CA's own certificates.
warnings.filterwarnings("ignore", message=r"Attribute's length must be >= 1 and <= 64", category=UserWarning)
