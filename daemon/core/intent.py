"""What a person's reply says about an invoice, read from the new text only (quoted history and
signature stripped): it is paid, it will be paid on a date, the invoice is disputed, there is a
question, or something else — in English, French, Romanian, German and Spanish.

When a reply says several things, the intent that needs the user's own answer wins over the
ones relance could act on by itself, and among those the one whose mistake costs least:

    DISPUTE > QUESTION > PROMISE > PAID > OTHER

"I paid yesterday, but why is the amount different?" is therefore a QUESTION: marking the
invoice paid would close it silently, while the client is waiting for an answer. A promise beats
"paid" because a reply such as "we paid half and will pay the rest on 15 March" must not close
the invoice: a wrongly paused invoice is chased again after the date, a wrongly closed one
never is.
"""

from __future__ import annotations

import re
from datetime import date
from email.message import Message

from .dates import find_dates
from .decoding import MAX_HTML_BYTES
from .message import new_text, parse, text_body
from .model import Intent, Reply
from .text import fold

EXCERPT_LENGTH = 120


def _any(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(phrases) + r")\b")


_DISPUTE = _any(
    # en
    r"we dispute", r"i dispute", r"disputing", r"(this|that|it) is not what we agreed",
    r"not what (we|was) agreed", r"incorrect amount", r"wrong amount",
    r"amount is (incorrect|wrong|not correct)", r"(we|i) (do not|don't) agree",
    r"overcharged", r"(error|mistake) (in|on) (the|your|this) invoice",
    r"invoice is (wrong|incorrect)",
    r"never (ordered|received the goods)", r"charged (us )?twice", r"double[- ]charged",
    r"invoice duplicates", r"duplicate (invoice|charge)",
    r"(don't|doesn't|do not|does not) match", r"(was|were) never (completed|delivered|done)",
    # fr
    r"nous contestons", r"je conteste", r"contestation",
    r"erreur (sur|dans) (la|votre|cette) facture",
    r"montant (est )?(incorrect|errone|faux)",
    r"(ce n'est )?pas ce (qui etait|que nous avions) convenu",
    r"ne correspond pas", r"pas d'accord", r"fait doublon", r"facturee? (deux fois|en double)",
    # ro
    r"nu (suntem|sunt) de acord", r"contestam", r"contest factura",
    r"suma (este )?(gresita|incorecta)",
    r"eroare (in|pe) factura", r"nu corespunde", r"nu este corecta", r"facturat de doua ori",
    r"refuzam (la plata|factura|plata)", r"nu (a|au) fost (livrata|livrate|livrat)",
    # de
    r"stimmt nicht", r"widersprechen", r"falscher betrag", r"betrag ist falsch",
    r"fehler in (der|ihrer) rechnung", r"nicht einverstanden", r"reklamieren",
    r"rechnung ist (fehlerhaft|falsch)", r"doppelt (berechnet|abgerechnet)", r"nicht erbracht",
    # es
    r"no estamos de acuerdo", r"no estoy de acuerdo", r"impugnamos", r"importe (es )?incorrecto",
    r"error en la factura", r"no corresponde", r"reclamamos", r"rechazamos",
    r"(factura|importe) (es|esta) incorrect[oa]", r"cobrado dos veces",
)

_PAID = _any(
    # en
    r"(i|we) have (already )?(paid|settled|transferred|wired)", r"(i|we)'ve (already )?paid",
    r"(i|we) (already )?(paid|settled|transferred|wired)",
    r"payment (has been |was )?(sent|made|done|completed|transferred|processed)",
    r"(has|have) (already )?been (paid|settled)", r"was paid",
    r"(i|we) (sent|made) the (payment|transfer)",
    r"transfer (has been |was )?(made|sent|done|completed)",
    r"(check|cheque) is in the (mail|post)", r"processed the (payment|transfer)",
    # fr
    r"(j'ai|nous avons) (bien )?(deja )?(paye|regle|vire|effectue le (virement|paiement))",
    r"virement (a ete |est )?(effectue|fait|envoye|parti|passe|emis|execute)",
    r"avis de virement", r"paiement (a ete |est )?effectue",
    r"c'est (regle|paye)", r"(a|ont) ete (payee?s?|reglee?s?)",
    # ro
    r"am (deja )?(platit|achitat|virat)", r"am (efectuat|facut) (plata|transferul|viramentul)",
    r"plata (a fost )?(efectuata|facuta|trimisa)",
    r"(a|au) fost (platita|achitata|platite|achitate)",
    # de
    r"(habe|haben) (\w+ ){0,3}(uberwiesen|bezahlt|beglichen)",
    r"(wurde|ist|sind|wurden) (\w+ ){0,3}(bezahlt|beglichen|uberwiesen)",
    # "Die Zahlung ist erfolgt" is paid; "Die Zahlung erfolgt Ende des Monats" is a promise.
    r"(uberweisung|zahlung) (ist|wurde) ([\w.]+ ){0,3}(erfolgt|getatigt|veranlasst|ausgefuhrt)",
    r"(uberweisung|zahlung) (erfolgte|ist raus)",
    # es
    r"(ya )?(he|hemos) (pagado|abonado|transferido)", r"ya (pague|pagamos)",
    r"(pago|transferencia) (ya )?(realizad[oa]|efectuad[oa]|hech[oa])",
    r"(hemos|he) (realizado|hecho|efectuado) (el pago|la transferencia)", r"ya esta pagad[oa]",
    r"(fue|ha sido) (pagad[oa]|abonad[oa])", r"justificante de(l| la)? (pago|transferencia)",
)

_PROMISE = _any(
    # en
    r"(i|we)('ll| will| shall) (\w+ ){0,2}(pay|transfer|settle|wire|send (the |a )?payment)",
    r"(and|then) will (pay|transfer|settle|wire)",
    r"payment will (be )?(made|sent|done|go out|arrive|follow)",
    r"will be (paid|settled|transferred)",
    r"(plan|planning|expect|intend) to pay", r"(scheduled|schedule) (the )?payment",
    r"pay (it |this )?by", r"cut (the|a) (check|cheque)", r"payment is (scheduled|planned)",
    r"(wire|payment|transfer|check|cheque) (is going|goes) out",
    # fr
    r"je vous (regle|reglerai|paie|paierai|vire)",
    r"nous vous (reglons|reglerons|payons|paierons|virons)",
    r"(je vais|nous allons) (vous )?(payer|regler|virer|effectuer le (virement|paiement))",
    r"(nous paierons|je paierai|nous reglerons|je reglerai|nous payerons)",
    r"(le virement|le paiement|le reglement) (sera|va etre) (effectue|fait|envoye|passe)",
    r"(je ferai|nous ferons|je fais|nous faisons|je vous fais|nous vous faisons) le "
    r"(virement|paiement|reglement)", r"(virement|paiement|reglement) partira",
    r"sera (payee?|reglee?|viree?)",
    r"(allons|vais) proceder (au|a un) (reglement|paiement|virement)",
    # ro
    r"(vom|voi) (plati|achita|vira|face plata|efectua plata)",
    r"o sa (platim|platesc|achitam|achit)",
    r"plata (va fi|se va face|o vom face)",
    # Romanian speaks of the near future in the present: "platim pana vineri".
    r"(platim|achitam|viram|facem plata)",
    # de
    r"wir (zahlen|bezahlen|uberweisen|begleichen)", r"ich (zahle|bezahle|uberweise|begleiche)",
    r"(werden|werde) ([\w.]+ ){0,4}(zahlen|bezahlen|uberweisen|begleichen)",
    r"(zahlung|uberweisung) erfolgt",
    # es
    r"pagaremos", r"pagare", r"(vamos|voy) a (pagar|transferir|abonar)",
    r"(realizaremos|haremos|efectuaremos) (el pago|la transferencia)",
    r"el pago se (realizara|hara|efectuara)", r"(le |les )?(transferire|transferiremos)",
    r"abonaremos",
)

_REQUEST = _any(
    r"could you", r"can you", r"would you", r"please (send|resend|confirm|check|let us know)",
    r"pourriez-vous", r"pouvez-vous", r"pourriez vous", r"pouvez vous",
    r"merci de (nous )?(renvoyer|envoyer|confirmer)",
    r"puteti sa", r"ati putea", r"va rog (sa )?(trimiteti|retrimiteti|confirmati)",
    r"konnten sie", r"konnen sie", r"bitte (senden|schicken|bestatigen|teilen sie)",
    r"podria", r"podrian", r"pueden (enviar|mandar|confirmar)", r"puede (enviar|mandar|confirmar)",
    r"confirmen? si", r"indiquen?nos",
)

# A negation earlier in the same clause undoes "paid": "we have not paid yet", "nous n'avons
# pas encore paye", "inca nu am platit", "noch nicht bezahlt", "todavia no hemos pagado".
_NEGATION = re.compile(
    r"\b(not|never|no|nu|nicht|noch nicht|kein\w*|pas|jamais|ne|nunca|todavia no|aun no|inca)\b"
    r"|n't\b|\bn'"
)
_NOT_YET_AFTER = re.compile(r"^\W*(\w+\W+){0,2}(yet|pas encore|inca|noch nicht|todavia|aun)\b")
_URL = re.compile(r"https?://\S+|www\.\S+")


def read_intent(msg: Message, reference: date | None) -> Reply:
    """Return the ``Reply`` of a person's message: its intent, the promised date (for a
    promise, when written; None otherwise) and an excerpt of the new text."""
    return reply_from_text(new_text(text_body(msg) or _salvaged_text(msg)), reference)


def _salvaged_text(msg: Message) -> str:
    """Return the first text part of a multipart message whose boundary is missing or wrong
    (the parser then keeps the whole body as one string), by splitting at the "--" lines the
    sender did write; "" when there is nothing to salvage."""
    payload = msg.get_payload() if msg.get_content_maintype() == "multipart" else None
    if not isinstance(payload, str):
        return ""
    payload = payload[:MAX_HTML_BYTES]  # the first part is at its start; the rest is not read
    first = re.search(r"^--(\S+)\s*$", payload, re.MULTILINE)
    if first is None:
        return ""
    for chunk in re.split(r"^--" + re.escape(first.group(1)) + r"(?:--)?\s*$", payload,
                          flags=re.MULTILINE):
        text = text_body(parse(chunk.lstrip("\r\n").encode("utf-8", "surrogateescape")))
        if text.strip():
            return text
    return ""


def reply_from_text(text: str, reference: date | None) -> Reply:
    """Return the ``Reply`` for the new text of a reply (see the module's order)."""
    excerpt = _excerpt(text)
    clauses = _clauses(_URL.sub(" ", text))
    if any(_DISPUTE.search(fold(c)) for c in clauses):
        return Reply(Intent.DISPUTE, excerpt=excerpt)
    if any(_is_question(c) for c in clauses):
        return Reply(Intent.QUESTION, excerpt=excerpt)
    for index, clause in enumerate(clauses):
        if _PROMISE.search(fold(clause)) and not _negated(clause, _PROMISE):
            # The date is in the same clause, or in the next one ("we'll pay, on 15 March").
            span = " ".join(clauses[index: index + 2])
            return Reply(Intent.PROMISE, _promised(span, reference), excerpt)
    if any(_PAID.search(fold(c)) and not _negated(c, _PAID) for c in clauses):
        return Reply(Intent.PAID, excerpt=excerpt)
    return Reply(Intent.OTHER, excerpt=excerpt)


def _clauses(text: str) -> list[str]:
    """Split into clauses: sentences, then at commas and "but" words, keeping a trailing "?"
    with its clause."""
    # Not after the closing dot of a German date: "Wir werden am 22.12. überweisen."
    sentences = re.split(r"(?<=[.!?;])(?<!\d\.)\s+|\n+", text)
    out: list[str] = []
    for sentence in sentences:
        # "(?<!\s)": a run of blanks is tried from its start only, not from each of its blanks
        # (n² steps: 128 KB of spaces took minutes).
        parts = re.split(r",\s*|(?<!\s)\s+(?=(?:but|mais|dar|aber|pero|insa|however)\b)",
                         sentence, flags=re.IGNORECASE)
        out.extend(p.strip() for p in parts if p and p.strip())
    return out


def _negated(clause: str, pattern: re.Pattern[str]) -> bool:
    folded = fold(clause)
    match = pattern.search(folded)
    if match is None:
        return False
    return bool(_NEGATION.search(folded[: match.start()])
                or _NEGATION.search(match.group(0))
                or _NOT_YET_AFTER.search(folded[match.end():]))


def _is_question(clause: str) -> bool:
    folded = fold(clause)
    if _REQUEST.search(folded):
        return True
    return "?" in clause and len(re.findall(r"\w+", folded)) >= 2


def _promised(text: str, reference: date | None) -> date | None:
    """Return the date a promise names: the first calendar date, else the first weekday or
    relative day ("Friday", "end of the month"); None without a reference or a date."""
    if reference is None:
        return None
    found = [f for f in find_dates(text, reference, short_forms=True) if f.value >= reference]
    exact = [f for f in found if f.exact]
    chosen = exact or found
    return chosen[0].value if chosen else None


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT_LENGTH:
        return flat
    cut = flat.rfind(" ", 0, EXCERPT_LENGTH)
    return flat[: cut if cut > EXCERPT_LENGTH // 2 else EXCERPT_LENGTH].rstrip(" ,;:") + "…"
