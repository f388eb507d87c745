//! The HOSP API as the generator sees it: each route's method, path, listener rule, error rates
//! and sizes.

use crate::generate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    PatientsList,
    PatientGet,
    PatientScreen,
    NotesByPatient,
    NoteGet,
    NotePost,
    HospitalsList,
    HospitalGet,
    HospitalPost,
    HospitalPatch,
    HospitalDelete,
    StaffsList,
    StaffGet,
    Root,
    Health,
}

impl Route {
    pub(super) fn method(self) -> &'static str {
        match self {
            Route::PatientScreen | Route::NotePost | Route::HospitalPost => "POST",
            Route::HospitalPatch => "PATCH",
            Route::HospitalDelete => "DELETE",
            _ => "GET",
        }
    }

    pub(super) fn endpoint(self) -> &'static str {
        match self {
            Route::PatientsList => "/patients",
            Route::PatientGet => "/patients/{id}",
            Route::PatientScreen => "/patients/{id}/screen",
            Route::NotesByPatient | Route::NotePost => "/notes",
            Route::NoteGet => "/notes/{id}",
            Route::HospitalsList | Route::HospitalPost => "/hospitals",
            Route::HospitalGet | Route::HospitalPatch | Route::HospitalDelete => "/hospitals/{id}",
            Route::StaffsList => "/staffs",
            Route::StaffGet => "/staffs/{id}",
            Route::Root => "/",
            Route::Health => "/health",
        }
    }

    /// Listener rule priority (an allow-list; the default action is a fixed 404).
    pub(super) fn rule(self) -> &'static str {
        match self {
            Route::HospitalsList
            | Route::HospitalGet
            | Route::HospitalPost
            | Route::HospitalPatch
            | Route::HospitalDelete => "10",
            Route::PatientsList | Route::PatientGet | Route::PatientScreen => "20",
            Route::StaffsList | Route::StaffGet => "30",
            Route::NotesByPatient | Route::NoteGet | Route::NotePost => "40",
            Route::Root | Route::Health => "50",
        }
    }

    pub(super) fn is_hospitals(self) -> bool {
        self.rule() == "10"
    }

    /// Routes with an id in the path (may answer 404 for an unknown id).
    pub(super) fn has_id(self) -> bool {
        self.endpoint().contains("{id}")
    }

    /// Base probability of a target 500.
    pub(super) fn p500(self) -> f64 {
        match self {
            Route::PatientScreen => 0.06,
            Route::NotesByPatient | Route::NoteGet | Route::NotePost => 0.03,
            _ => 0.0,
        }
    }

    pub(super) fn path(self, rng: &mut Rng) -> String {
        match self {
            Route::PatientsList => {
                if rng.chance(0.2) {
                    format!("/patients?page={}", rng.range(2, 9))
                } else {
                    "/patients".to_string()
                }
            }
            Route::PatientGet => format!("/patients/{}", rng.range(1, 2000)),
            Route::PatientScreen => format!("/patients/{}/screen", rng.range(1, 2000)),
            Route::NotesByPatient => format!("/notes?patient_id={}", rng.range(1, 2000)),
            Route::NoteGet => format!("/notes/{}", rng.range(1, 20000)),
            Route::NotePost => "/notes".to_string(),
            Route::HospitalsList | Route::HospitalPost => "/hospitals".to_string(),
            Route::HospitalGet | Route::HospitalPatch | Route::HospitalDelete => {
                format!("/hospitals/{}", rng.range(1, 40))
            }
            Route::StaffsList => "/staffs".to_string(),
            Route::StaffGet => format!("/staffs/{}", rng.range(1, 300)),
            Route::Root => "/".to_string(),
            Route::Health => "/health".to_string(),
        }
    }

    pub(super) fn ok_status(self) -> u16 {
        match self {
            Route::NotePost | Route::HospitalPost => 201,
            Route::HospitalDelete => 204,
            _ => 200,
        }
    }

    /// Request size (headers + body).
    pub(super) fn received_bytes(self, rng: &mut Rng) -> u64 {
        let headers = rng.range(380, 640);
        let body = match self {
            Route::PatientScreen => rng.range(150_000, 2_400_000),
            Route::NotePost => rng.range(250, 900),
            Route::HospitalPost | Route::HospitalPatch => rng.range(60, 120),
            _ => 0,
        };
        headers + body
    }

    pub(super) fn ok_sent_bytes(self, rng: &mut Rng) -> u64 {
        match self {
            Route::PatientsList
            | Route::NotesByPatient
            | Route::HospitalsList
            | Route::StaffsList => rng.range(2_000, 30_000),
            Route::PatientScreen => rng.range(400, 1_200),
            Route::NotePost | Route::HospitalPost => rng.range(500, 900),
            Route::HospitalDelete => 160,
            Route::Root => 312,
            Route::Health => 181,
            _ => rng.range(500, 2_500),
        }
    }
}
