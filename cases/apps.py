from django.apps import AppConfig


class CasesConfig(AppConfig):
    """People, families, cases (family episodes), allocations, the chronology, the access log and
    restricted records."""

    name = "cases"

    def ready(self) -> None:
        from cases.panels import home_panel
        from config.panels import home_page

        home_page.add("cases/_home_sections.html", home_panel, order=20)
