from django.urls import path

from messagecenter.directory.views import contacts, fields, imports, notes, profile, write_email

urlpatterns = [
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_add, name="contact_add"),
    path("contacts/erase/", contacts.contact_erase_many, name="contact_erase_many"),
    path("contacts/import/", imports.import_upload, name="contact_import"),
    path("contacts/import/run/<str:import_id>/", imports.import_run, name="contact_import_run"),
    path(
        "contacts/import/run/<str:import_id>/status/",
        imports.import_status,
        name="contact_import_status",
    ),
    path(
        "contacts/import/run/<str:import_id>/report.csv",
        imports.import_report,
        name="contact_import_report",
    ),
    path(
        "contacts/import/run/<str:import_id>/undo/",
        imports.import_undo,
        name="contact_import_undo",
    ),
    path("contacts/import/<str:file_id>/", imports.import_mapping, name="contact_import_map"),
    path("contacts/import/<str:file_id>/check/", imports.import_check, name="contact_import_check"),
    path("contacts/import/<str:file_id>/start/", imports.import_start, name="contact_import_start"),
    path(
        "contacts/import/<str:file_id>/cancel/",
        imports.import_cancel,
        name="contact_import_cancel",
    ),
    path("contacts/<str:public_id>/", profile.contact_profile, name="contact_profile"),
    path("contacts/<str:public_id>/block/", profile.contact_block, name="contact_block"),
    path("contacts/<str:public_id>/export/", profile.contact_export, name="contact_export"),
    path("contacts/<str:public_id>/erase/", profile.contact_erase, name="contact_erase"),
    path("contacts/<str:public_id>/start/", profile.contact_start, name="contact_start"),
    path(
        "contacts/<str:public_id>/write-email/",
        write_email.contact_write_email,
        name="contact_write_email",
    ),
    path("contacts/<str:public_id>/notes/", notes.note_add, name="contact_note_add"),
    path(
        "contacts/<str:public_id>/notes/<int:note_id>/edit/",
        notes.note_edit,
        name="contact_note_edit",
    ),
    path(
        "contacts/<str:public_id>/notes/<int:note_id>/delete/",
        notes.note_delete,
        name="contact_note_delete",
    ),
    path("settings/contact-fields/", fields.field_list, name="contact_fields"),
    path(
        "settings/contact-fields/<slug:key>/delete/",
        fields.field_delete,
        name="contact_field_delete",
    ),
]
