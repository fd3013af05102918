"""Use cases: every read and write of the product, each with permission, validation, audit and one
transaction. Services take a `Database` and an `Actor` and return plain data, never live sessions.
"""
