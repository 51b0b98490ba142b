from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    """The statutory returns built from the children's records: the DfE's Children in Need
    census (and, to come, Ofsted's Annex A lists). It reads every domain app and none reads it."""

    name = "returns"
