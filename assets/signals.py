"""Domain signals the registry sends, so apps built on it react without the registry importing them."""
from django.dispatch import Signal

# Sent inside the transaction of `person_update` when a person's status becomes transferred or retired;
# kwargs: person, kind (the new status), effective (date). The uniforms app opens the return checklist.
person_departed = Signal()
