"""`verrijk train subjects|link|ner --from-decisions`: a new model version from the organisation's review
decisions, registered in the trained models directory (VERRIJK_TRAINED_MODELS_DIR, default <data dir>/models) and
active only when it beats the serving version on held-out decisions."""

from __future__ import annotations

import json

import typer

from verrijk.cli.common import OrgOption, err, open_repo
from verrijk.config import Settings
from verrijk.errors import BadInput

app = typer.Typer(help="Train model versions from review decisions.", no_args_is_help=True)

HELP = {
    "subjects": "subjects.demo: neighbour memory, fine-tuned logistic regression, ensemble threshold",
    "link": "entity linking: logistic weights fine-tuned from the current ones (calibration and threshold kept)",
    "ner": "the Dutch spaCy NER model (VERRIJK_NER_MODELS nl) fine-tuned a few passes on the judged sentences",
}


def _command(name: str):
    def command(
        from_decisions: bool = typer.Option(False, "--from-decisions", help="learn from judged suggestions"),
        org: str | None = OrgOption,
    ) -> None:
        from verrijk.learning.train import train_from_decisions

        if not from_decisions:
            raise BadInput("say what to learn from: --from-decisions")
        settings = Settings()
        with open_repo(org) as repo:
            entry = train_from_decisions(repo, settings, name, lambda line: err.print(line, markup=False))
        print(json.dumps(entry, ensure_ascii=False))

    command.__doc__ = f"Train {HELP[name]}; registered when better on held-out decisions (prints the entry)."
    return command


for _name in HELP:
    app.command(_name)(_command(_name))
