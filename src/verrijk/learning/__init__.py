"""The learning loop: review decisions become training data, `train_from_decisions` fits a new version of a model
(subjects, link, ner), scores it against the current one on held-out decisions, and registers it in the trained
models directory, active only when it is better."""
