"""The default topic catalogue; a programme may add topics of its own, shown as written."""

from bot.i18n import Tr, translator


def N_(message: str) -> str:
    """Marks a text for translation where it is defined; it is translated where it is shown."""
    return message


DEFAULT_TOPICS: dict[str, str] = {
    "digital_tools": N_("Digital tools and collaboration platforms"),
    "ai_assistants": N_("AI assistants (Copilot, ChatGPT…)"),
    "social_networks": N_("Social networks and personal brand"),
    "consumer_habits": N_("New consumer habits, e-commerce and the customer journey"),
    "new_ways_of_working": N_("New ways of working (agile, cross-functional, remote)"),
    "csr_environment": N_("CSR and the environment"),
    "dei": N_("Diversity, equity and inclusion"),
    "social_mobility": N_("Social mobility"),
    "next_gen_expectations": N_("What younger generations expect from work"),
}
# Short names people type: "AI", "IA", "réseaux sociaux", "RSE"…
ALIASES: dict[str, tuple[str, ...]] = {
    "digital_tools": ("digital", "tools", "outils", "numerique", "collaboration"),
    "ai_assistants": ("ai", "ia", "copilot", "chatgpt", "intelligence artificielle"),
    "social_networks": ("social", "social networks", "reseaux sociaux", "linkedin", "personal brand"),
    "consumer_habits": ("consumer", "e-commerce", "ecommerce", "consommation", "customer journey"),
    "new_ways_of_working": (
        "agile",
        "remote",
        "ways of working",
        "teletravail",
        "nouvelles facons de travailler",
    ),
    "csr_environment": ("csr", "rse", "environment", "environnement", "climate", "climat"),
    "dei": ("diversity", "inclusion", "diversite", "dei", "edi"),
    "social_mobility": ("mobility", "mobilite sociale", "mobilite"),
    "next_gen_expectations": (
        "generations",
        "younger generations",
        "jeunes generations",
        "gen z",
        "generation z",
    ),
}


def topic_label(key: str, tr: Tr) -> str:
    return tr(DEFAULT_TOPICS[key]) if key in DEFAULT_TOPICS else key


def topic_names(key: str) -> tuple[str, ...]:
    """Every name a topic may be typed as, in English and French."""
    if key not in DEFAULT_TOPICS:
        return (key,)
    label = DEFAULT_TOPICS[key]
    return (key, key.replace("_", " "), label, translator("fr")(label), *ALIASES.get(key, ()))
