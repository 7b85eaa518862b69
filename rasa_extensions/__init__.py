"""What the Rasa server loads of ours (the only project code besides actions/ that imports Rasa).

Public extension points, named in config.yml, credentials.yml and endpoints.yml: the intent
classifier and emergency guard (NLU components), the REST channel and the redacting tracker store,
with log redaction. Replacements for private Rasa internals live apart, in `patches/`: Rasa
imports this package when it loads any of the above, so they are in place before the model loads;
they install only on the pinned Rasa version, and NETFAQ_STOCK_RASA=1 leaves Rasa as it is.
"""

from rasa_extensions.patches import install_all

install_all()
