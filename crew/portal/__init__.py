"""The read-only crew portal: magic-link sign-in (``auth``), the crew member's own events
(``views`` over ``selectors``), the exposure log and feed tokens (``services``) and their admin
pages (``admin``). Mounted at ``/crew/`` by ``crew.urls``; the calendar feed is ``crew.feed``."""
