"""Chat bots: ``limner bot slack`` (slack-bolt, Socket Mode) and ``limner bot discord``
(discord.py). Both are thin: ``common`` turns a chat command into a ``RunRequest``, runs it
through one process-wide ``RunService`` and words the reply; each platform module only
speaks its platform. The submodules are imported on demand (each needs its own library)."""
