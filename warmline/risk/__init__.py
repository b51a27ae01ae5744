"""The learned half of the risk detector: a linear model over hashed word and character
n-grams, trained from the labelled corpus in data/train.tsv (`flask --app wsgi risk train`).
The phrase rules in warmline.services.risk stay the floor; warmline.services.risk.assess
combines both and is the one entry point callers use."""
