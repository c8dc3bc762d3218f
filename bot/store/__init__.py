"""Database storage for the bot: engine, models, migrations, Rasa tracker store and retention."""
