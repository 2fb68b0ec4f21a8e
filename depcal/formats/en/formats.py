# A short date: "17 Feb 2026" (Django's English default is "02/17/2026").
SHORT_DATE_FORMAT = "j M Y"
