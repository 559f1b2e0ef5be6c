from __future__ import annotations

from typing import TYPE_CHECKING, Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from bookings.tests.factories import CharterFactory
from crew.models import CrewAssignment, CrewMember, CrewRole


class UserFactory(factory.django.DjangoModelFactory[User]):
    if TYPE_CHECKING:  # factory_boy's metaclass returns the model; tell mypy so

        def __new__(cls, *args: Any, **kwargs: Any) -> User: ...  # type: ignore[misc]

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.LazyFunction(lambda: make_password(None))  # unusable: crew sign in by magic link


class CrewMemberFactory(factory.django.DjangoModelFactory[CrewMember]):
    if TYPE_CHECKING:  # factory_boy's metaclass returns the model; tell mypy so

        def __new__(cls, *args: Any, **kwargs: Any) -> CrewMember: ...  # type: ignore[misc]

    class Meta:
        model = CrewMember

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"crew{n}@example.com")
    user = factory.SubFactory(
        UserFactory, username=factory.SelfAttribute("..email"), email=factory.SelfAttribute("..email")
    )
    phone = "+1 619 555 0123"
    roles = factory.LazyFunction(lambda: [CrewRole.DECKHAND])


class CrewAssignmentFactory(factory.django.DjangoModelFactory[CrewAssignment]):
    if TYPE_CHECKING:  # factory_boy's metaclass returns the model; tell mypy so

        def __new__(cls, *args: Any, **kwargs: Any) -> CrewAssignment: ...  # type: ignore[misc]

    class Meta:
        model = CrewAssignment

    charter = factory.SubFactory(CharterFactory)
    crew_member = factory.SubFactory(CrewMemberFactory)
    role = CrewRole.DECKHAND
