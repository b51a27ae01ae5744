"""The risk detector's two halves: the phrase rules (rules.py), the floor, and a learned
wide-and-deep model over hashed word and character n-grams and the rules' context cues,
trained from the labelled corpus in data/train.tsv (`flask --app wsgi risk train`).
warmline.services.risk.assess combines both and is the one entry point callers use."""
