"""Files in and out: roster and schedule readers, the import, the export, the listings of
`cases`/`status`/`conflicts`, and the auditor's packet."""
