# A short date: "17 févr. 2026" (Django's French default is "17/02/2026"; its "M" would give
# "Fév", and "Jui" for both June and July).
SHORT_DATE_FORMAT = "j N Y"
