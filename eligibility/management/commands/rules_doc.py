"""``manage.py rules_doc``: rewrite the fact reference in docs/rules.md from the registry."""

from django.core.management.base import BaseCommand

from eligibility.rules_doc import rules_doc_path, rules_doc_render


class Command(BaseCommand):
    help = "Rewrite the generated fact reference of docs/rules.md from the fact registry."

    def handle(self, *args, **options):
        path = rules_doc_path()
        text = path.read_text(encoding="utf-8")
        rendered = rules_doc_render(text)
        if rendered == text:
            self.stdout.write("docs/rules.md is up to date.")
            return
        path.write_text(rendered, encoding="utf-8")
        self.stdout.write("Rewrote the fact reference of docs/rules.md.")
