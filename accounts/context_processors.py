from django.conf import settings


def service(request) -> dict:
    return {"local_authority_name": settings.LOCAL_AUTHORITY_NAME}
