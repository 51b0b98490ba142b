"""The outcome letter to the referrer as a PDF (WeasyPrint), from the same body as the page."""

from django.template.loader import render_to_string

from referrals.models import Contact
from referrals.selectors import letter_context


def render_letter_pdf(contact: Contact) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which pages without PDFs never need

    html = render_to_string("referrals/letter_pdf.html", letter_context(contact))
    return HTML(string=html).write_pdf()
