"""Simulated outlets: names, domains, page chrome, credit habits and date formats.

Each outlet's chrome is fixed (its nav line, share and subscribe lines, its
pool of related headlines), so that a per-source chrome learner sees the
same lines on every page of one outlet, as it would on a real site; the
related headlines and tags vary page by page, as they do on real sites.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

FIRST = ["Baltic", "Pacific", "Northern", "Daily", "Global", "Free", "Patriot", "Liberty", "Eastern", "Capital",
         "Metro", "Frontier", "Union", "Civic", "Sovereign", "Southern", "Western", "Central", "Atlantic", "Coastal",
         "Highland", "Prairie", "Harbor", "Summit", "Valley", "Crown", "Republic", "Evening", "Morning", "Open"]
SECOND = ["Ledger", "Herald", "Tribune", "Observer", "Dispatch", "Gazette", "Monitor", "Courier", "Sentinel",
          "Chronicle", "Post", "Report", "Digest", "Insider", "Review", "Times", "Journal", "Bulletin", "Standard",
          "Examiner", "Register", "Beacon", "Telegraph", "Record", "Voice"]
WIRES = [("Continental Press", "continentalpress.com"), ("Meridian Wire", "meridianwire.net")]
TLDS = ["com", "com", "com", "net", "org", "co.uk", "info", "news"]
SECTIONS = ["World", "Politics", "Business", "Tech", "Opinion", "Science", "Sport", "Culture", "Health", "Europe",
            "Asia", "Americas", "Economy", "Analysis", "Video", "Defence", "Energy", "Society"]
HEADER_LINES = ["Listen Live", "Get short URL", "Menu", "Search", "Breaking News", "Sign in | Register",
                "Subscribe now", "Latest", "Watch Live", "Advertisement", "Trending now", "Donate"]
SHARE_LINES = ["Share this article: Facebook Twitter Telegram", "Share on Facebook | Share on Twitter | Email",
               "Share | Tweet | Pin | Email", "SHARE THIS:", "Like this story? Share it with a friend."]
SUBSCRIBE_LINES = [
    "Never miss a story again \u2014 sign up to our {channel} channel and we'll keep you up to speed!",
    "Subscribe to the {name} newsletter for the day's top stories.",
    "Follow {name} on {channel} for more updates.",
    "Support independent journalism: become a {name} member today.",
]
COMMENT_LINES = ["Community standardsDiscussion", "Comment via FacebookComment via {name}", "Comments (0)",
                 "Leave a Reply Cancel reply", "Join the discussion", "Load comments"]
CHANNELS = ["Telegram", "WhatsApp", "Gab", "VK", "Twitter", "YouTube"]
# Stock paragraphs many sites append to every article: shared text that is nobody's copy (hard negatives).
DISCLAIMERS = [
    "The views and opinions expressed in this article are those of the author and do not necessarily reflect "
    "the official policy or position of {name}.",
    "This article may contain affiliate links. If you buy something through one of these links, {name} may earn "
    "a small commission at no extra cost to you.",
    "We welcome your comments, but please keep them civil and on topic. Comments that include personal attacks, "
    "profanity or spam will be removed by the moderators of {name}.",
    "Editor's note: this story has been updated since it was first published to include new information and "
    "additional comment from the people involved.",
    "Did you find this story useful? {name} relies on readers like you. Please consider supporting our work with "
    "a one-time or monthly donation of any amount.",
]

# Related-headline vocabulary: synthetic, so chrome never copies a corpus article.
ACTORS = ["Minister", "Lawmakers", "Senator", "Regulators", "Investors", "Activists", "Officials", "Scientists",
          "Analysts", "Governor", "Envoy", "Prosecutors", "Union Leaders", "Voters", "Diplomats", "Generals",
          "Mayor", "Tech Giants", "Farmers", "Bankers"]
VERBS = ["Slam", "Unveil", "Warn of", "Back", "Reject", "Question", "Demand", "Mock", "Probe", "Praise",
         "Weigh", "Defend", "Block", "Hail", "Doubt", "Expose"]
OBJECTS = ["New Sanctions Plan", "Border Deal", "Energy Prices", "Election Claims", "Troop Deployment", "Trade Talks",
           "Budget Cuts", "Pipeline Project", "Vaccine Rollout", "Tax Overhaul", "Grain Exports", "Data Leak",
           "Climate Pledge", "Bank Bailout", "Peace Summit", "Arms Shipment", "Media Law", "Housing Crisis"]
TAILS = ["", "", "Amid Row", "as Tensions Rise", "Before Summit", "After Vote", "in Surprise Move", "Again",
         "Over Costs", "Ahead of Talks", "for Second Time"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DATE_FORMATS = ("iso", "iso_local", "long", "us", "rfc", "dotted")


@dataclass
class Outlet:
    name: str
    domain: str
    role: str  # wire | originator | republisher
    sep: str  # paragraph separator its pages show
    title_in_text: bool
    date_format: str
    date_in_text: bool
    header: list[str]
    footer_share: str
    footer_subscribe: str
    footer_comments: str | None
    copyright_line: bool  # "(c) 2019 <own name>": names itself, is no credit
    feed_footer: bool  # WordPress/Yoast "The post ... appeared first on <own name>."
    credit_rate: float
    credit_forms: list[str]
    curly: bool
    headlines: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    disclaimer: str | None = None  # a stock paragraph under every article of this outlet


CREDIT_FORMS = ("reports", "according_to", "source", "via", "originally", "copyright", "reprinted")
# "(Wire Name) - " before the first paragraph: how pickups of a wire story credit it
WIRE_FORM = "dateline"


def credit_line(form: str, name: str) -> str:
    """A credit line (or a lead-in for the first paragraph: 'according_to', 'dateline') naming `name`."""
    return {
        "reports": f"{name} reports",
        "according_to": f"According to {name}, ",
        "source": f"Source: {name}",
        "via": f"via {name}",
        "originally": f"This article was originally published on {name}.",
        "copyright": f"\u00a9 {name}",
        "reprinted": f"Reprinted with permission from {name}.",
        "dateline": f"({name}) \u2014 ",
    }[form]


def make_outlets(rng: random.Random, n_originators: int, n_republishers: int) -> list[Outlet]:
    names: set[str] = set()
    outlets = [_outlet(rng, name, domain, "wire") for name, domain in WIRES]
    while len(names) < n_originators + n_republishers:
        names.add(f"{rng.choice(FIRST)} {rng.choice(SECOND)}")
    ordered = sorted(names)  # sets iterate in hash order: sort before shuffling, for reproducibility
    rng.shuffle(ordered)
    for i, name in enumerate(ordered):
        domain = name.lower().replace(" ", "") + "." + rng.choice(TLDS)
        outlets.append(_outlet(rng, name, domain, "originator" if i < n_originators else "republisher"))
    return outlets


def _outlet(rng: random.Random, name: str, domain: str, role: str) -> Outlet:
    nav = " | ".join(["Home"] + rng.sample(SECTIONS, rng.randint(4, 7)))
    channel = rng.choice(CHANNELS)
    header = [nav] + rng.sample(HEADER_LINES, rng.randint(1, 3))
    forms = rng.sample(CREDIT_FORMS, rng.randint(1, 3))
    return Outlet(
        name=name, domain=domain, role=role,
        sep=rng.choice(["\n\n", "\n\n", "\n"]),
        title_in_text=rng.random() < 0.6,
        date_format=rng.choice(DATE_FORMATS),
        date_in_text=rng.random() < 0.35,
        header=header if role != "wire" else [],
        footer_share=rng.choice(SHARE_LINES),
        footer_subscribe=rng.choice(SUBSCRIBE_LINES).format(channel=channel, name=name),
        footer_comments=(rng.choice(COMMENT_LINES).format(name=name.split()[0]) if rng.random() < 0.6 else None),
        copyright_line=rng.random() < 0.3,
        feed_footer=role == "republisher" and rng.random() < 0.4,
        credit_rate={"wire": 0.3, "originator": 0.5, "republisher": rng.choice([0.15, 0.5, 0.8])}[role],
        credit_forms=forms,
        curly=rng.random() < 0.5,
        headlines=[_headline(rng) for _ in range(12)],
        sections=rng.sample(SECTIONS, 3),
        disclaimer=rng.choice(DISCLAIMERS).format(name=name) if rng.random() < 0.35 else None,
    )


def _headline(rng: random.Random) -> str:
    return " ".join(w for w in (rng.choice(ACTORS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(TAILS)) if w)


def chrome_header(outlet: Outlet, date_text: str | None) -> list[str]:
    lines = list(outlet.header)
    if outlet.date_in_text and date_text:
        lines.insert(0, date_text)
    return lines


def chrome_footer(rng: random.Random, outlet: Outlet, tags: list[str], year: int) -> list[str]:
    lines = [outlet.disclaimer] if outlet.disclaimer else []
    lines += [outlet.footer_share, outlet.footer_subscribe]
    lines += rng.sample(outlet.headlines, rng.randint(2, 4))  # related headlines, as real sites show them
    if tags:
        lines.append(", ".join(tags))
    if outlet.footer_comments:
        lines.append(outlet.footer_comments)
    if outlet.copyright_line:
        lines.append(f"\u00a9 {year} {outlet.name}. All rights reserved.")
    return lines


def format_date(moment: datetime, style: str) -> str:
    if style == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "iso_local":
        return moment.strftime("%Y-%m-%d %H:%M")
    if style == "long":
        return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    if style == "us":
        return f"{MONTHS[moment.month - 1][:3]} {moment.day}, {moment.year} {moment.strftime('%I:%M %p')}"
    if style == "rfc":
        return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return moment.strftime("%d.%m.%Y %H:%M")


def junk_date(rng: random.Random, moment: datetime) -> str:
    """Dates as broken scrapers give them: glued time zones, epoch zero, relative times."""
    kind = rng.randrange(4)
    if kind == 0:  # the seed's "14:31 GMT +317 October 2019": a +3 zone glued to the day
        return f"{moment:%H:%M} GMT +3{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    if kind == 1:
        return "1970-01-01T00:00:00Z"
    if kind == 2:
        return f"Updated {rng.randint(2, 23)} hours ago"
    return f"{moment.year}-{moment.month:02d}"  # month only: "date 2017-05"


def lag(rng: random.Random) -> timedelta:
    """Republication delay: minutes for feeds, hours to days for manual copies."""
    kind = rng.random()
    if kind < 0.35:
        return timedelta(minutes=rng.randint(3, 90))
    if kind < 0.85:
        return timedelta(hours=rng.uniform(1.5, 30))
    return timedelta(days=rng.uniform(1.5, 12))
